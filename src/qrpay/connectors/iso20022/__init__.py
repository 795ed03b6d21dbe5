"""The instant account-to-account network over ISO 20022: pacs.008 out, pacs.002 back.

documents.py  XML plumbing: namespaces, element building, safe parsing with limits
schemas.py    the official XSDs (``schemas/``) and validation against them
status.py     the one table from pacs.002 status and reason codes to an ``Outcome``
messages.py   pure: build pacs.008 / pacs.028 / pacs.004, parse pacs.002
replies.py    pure, the network's side: parse what the gateway sends, build pacs.002
statement.py  pure: camt.053 end-of-day statement, built and parsed
transport.py  HTTP POST of one document, timeouts, bounded retries of safe requests
connector.py  ``Iso20022Connector``: sale, refund, inquire, health
"""

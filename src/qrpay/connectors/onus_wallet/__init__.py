"""The on-us wallet network: payer and merchant both hold accounts in this gateway's ledger."""

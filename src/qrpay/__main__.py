"""``python -m qrpay`` runs the ``qrpay`` command."""

from qrpay.cli.main import main

main()

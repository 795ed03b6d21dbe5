#!/usr/bin/env python3
"""Entry point of the qrpay CDK app: ``cdk synth`` runs this, and so can plain Python
(``python app.py`` writes the templates to ``cdk.out``). Flags: docs/deploy.md."""

from __future__ import annotations

import os

import aws_cdk as cdk

from qrpay_cdk.settings import from_context
from qrpay_cdk.stacks import build


def main() -> None:
    app = cdk.App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
    build(app, from_context(app.node, dict(os.environ)))
    app.synth()


if __name__ == "__main__":
    main()

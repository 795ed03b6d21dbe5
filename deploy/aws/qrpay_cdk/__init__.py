"""The qrpay AWS CDK v2 app: one construct per concern, assembled by ``stacks``."""

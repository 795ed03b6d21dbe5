"""The web front ends: hosted checkout page, wallet app, operator dashboard.

Their sources live in ``web/`` at the repository root (TypeScript, built by Vite); the
build writes one static folder, ``static/`` here, which ``pages.mount`` serves. In the
cloud the same folder goes to object storage behind the CDN.
"""

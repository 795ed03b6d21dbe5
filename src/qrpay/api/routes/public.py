"""Unauthenticated reads behind the hosted checkout page (``/pay/{checkout_id}``).

The checkout id is the capability: it carries 55 bits from the operating system's random
source besides its creation time (``domain/ids.py``), so it cannot be guessed, and it is
already printed in the checkout's QR code (62.05). These reads therefore show a payer only
what that code says (merchant name and city, amount, currency) plus status and expiry:
never the merchant's reference, its id, the payment or the payer.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response, StreamingResponse

from qrpay.adapters import qr_image
from qrpay.api import live
from qrpay.api.schemas import PublicCheckoutOut
from qrpay.api.state import ApiState, api_state
from qrpay.domain.checkouts import Checkout
from qrpay.domain.merchants import Merchant
from qrpay.services import checkouts
from qrpay.services.onboarding import require_merchant

router = APIRouter(prefix="/v1/checkouts", tags=["hosted checkout page"])
# The payload of a checkout never changes, so its image never does either.
QR_CACHE_CONTROL = "public, max-age=86400, immutable"


async def _load(state: ApiState, checkout_id: str) -> tuple[Checkout, Merchant]:
    async with state.ctx.uow() as uow:
        checkout = await checkouts.get_checkout(uow, None, checkout_id)
        merchant = await require_merchant(uow, checkout.merchant_id)
    return checkout, merchant


@router.get("/{checkout_id}/public", response_model=PublicCheckoutOut)
async def public_checkout(
    checkout_id: str, response: Response, state: ApiState = Depends(api_state)
) -> PublicCheckoutOut:
    """What the payer sees: merchant, amount, status, expiry and the QR payload."""
    checkout, merchant = await _load(state, checkout_id)
    response.headers["Cache-Control"] = "no-store"
    return PublicCheckoutOut.of(checkout, merchant, state.ctx.now())


@router.get("/{checkout_id}/public/qr.svg", response_class=Response)
async def public_checkout_qr(checkout_id: str, state: ApiState = Depends(api_state)) -> Response:
    """The checkout's code as SVG, drawn by the same encoder as the merchant's images."""
    checkout, _ = await _load(state, checkout_id)
    svg = qr_image.render_svg(checkout.qr_payload)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": QR_CACHE_CONTROL})


@router.get("/{checkout_id}/events", response_class=StreamingResponse)
async def checkout_events(checkout_id: str, state: ApiState = Depends(api_state)) -> Response:
    """Server-sent events: ``status`` now and at every change; ends at a final status."""
    await _load(state, checkout_id)  # an unknown id is a 404, not an empty stream

    async def read() -> live.Snapshot:
        async with state.ctx.uow() as uow:
            checkout = await checkouts.get_checkout(uow, None, checkout_id)
        return live.Snapshot(checkout.status_at(state.ctx.now()), checkout.payment_id)

    stream = live.checkout_events(checkout_id, read, state.channels, state.limits)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type=live.MEDIA_TYPE, headers=headers)

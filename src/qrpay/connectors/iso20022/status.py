"""The one table from a pacs.002 answer to an ``Outcome`` the router can act on.

A pacs.002 carries a transaction status (``TxSts``, ExternalPaymentTransactionStatus1Code)
and, with a rejection, a reason (``StsRsnInf/Rsn/Cd``, ExternalStatusReason1Code). Statuses
that settle map to ``approved``, statuses that are accepted but not settled yet to
``pending`` (the connector then inquires), and ``RJCT`` to a decline decided by the reason:

- ``declined_hard``: the payment itself is wrong (account, amount, duplicate, regulation);
  it will fail again anywhere, so it is never retried.
- ``declined_soft``: the network or an agent could not take it now (timeouts, an agent
  offline, liquidity, limits of this network); another try, later or elsewhere, may pass.

A rejection is always final and moved no money. An unknown status maps to ``unknown``
(inquire); a rejection without a reason, or with a reason this table does not know, maps
to ``declined_hard``: the safe side when the network's meaning cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from qrpay.connectors.base import Outcome

REJECTED: Final = "RJCT"

TRANSACTION_STATUSES: Final[dict[str, Outcome]] = {
    "ACSC": Outcome.APPROVED,  # AcceptedSettlementCompleted: settled on the debtor side
    "ACCC": Outcome.APPROVED,  # AcceptedCreditSettlementCompleted: creditor credited
    "ACSP": Outcome.PENDING,  # AcceptedSettlementInProcess
    "ACCP": Outcome.PENDING,  # AcceptedCustomerProfile: checks passed, not settled
    "ACTC": Outcome.PENDING,  # AcceptedTechnicalValidation
    "ACWC": Outcome.PENDING,  # AcceptedWithChange
    "ACWP": Outcome.PENDING,  # AcceptedWithoutPosting
    "ACFC": Outcome.PENDING,  # AcceptedFundsChecked
    "ACIS": Outcome.PENDING,  # AcceptedandChequeIssued
    "PATC": Outcome.PENDING,  # PartiallyAcceptedTechnicalCorrect
    "PDNG": Outcome.PENDING,  # Pending
    "RCVD": Outcome.PENDING,  # Received
    "BLCK": Outcome.DECLINED_HARD,  # Blocked: held by the agent, the payment will not settle
    "CANC": Outcome.DECLINED_HARD,  # Cancelled
    REJECTED: Outcome.DECLINED_HARD,  # Rejected: refined by the reason below
}


@dataclass(frozen=True, slots=True)
class Reason:
    name: str
    outcome: Outcome


H: Final = Outcome.DECLINED_HARD
S: Final = Outcome.DECLINED_SOFT
REASONS: Final[dict[str, Reason]] = {
    # AB: aborted by a timeout or a failure in the chain: the network's fault, try again.
    "AB01": Reason("AbortedClearingTimeout", S),
    "AB02": Reason("AbortedClearingFatalError", S),
    "AB03": Reason("AbortedSettlementTimeout", S),
    "AB04": Reason("AbortedSettlementFatalError", S),
    "AB05": Reason("TimeoutCreditorAgent", S),
    "AB06": Reason("TimeoutInstructedAgent", S),
    "AB07": Reason("OfflineAgent", S),
    "AB08": Reason("OfflineCreditorAgent", S),
    "AB09": Reason("ErrorCreditorAgent", S),
    "AB10": Reason("ErrorInstructedAgent", S),
    "AB11": Reason("TimeoutDebtorAgent", S),
    # AC: accounts. Wrong, closed or blocked accounts stay so.
    "AC01": Reason("IncorrectAccountNumber", H),
    "AC02": Reason("InvalidDebtorAccountNumber", H),
    "AC03": Reason("InvalidCreditorAccountNumber", H),
    "AC04": Reason("ClosedAccountNumber", H),
    "AC05": Reason("ClosedDebtorAccountNumber", H),
    "AC06": Reason("BlockedAccount", H),
    "AC07": Reason("ClosedCreditorAccountNumber", H),
    "AC09": Reason("InvalidAccountCurrency", H),
    "AC10": Reason("InvalidDebtorAccountCurrency", H),
    "AC11": Reason("InvalidCreditorAccountCurrency", H),
    "AC13": Reason("InvalidDebtorAccountType", H),
    "AC14": Reason("InvalidCreditorAccountType", H),
    # AG: agents and what they allow.
    "AG01": Reason("TransactionForbidden", H),
    "AG02": Reason("InvalidBankOperationCode", H),
    "AG03": Reason("TransactionNotSupported", H),
    "AG10": Reason("AgentSuspended", S),
    "AG11": Reason("CreditorAgentSuspended", S),
    "AGNT": Reason("IncorrectAgent", H),
    # AM: amounts. Liquidity and this network's limits may pass elsewhere or later.
    "AM01": Reason("ZeroAmount", H),
    "AM02": Reason("NotAllowedAmount", H),
    "AM03": Reason("NotAllowedCurrency", H),
    "AM04": Reason("InsufficientFunds", S),
    "AM05": Reason("Duplication", H),
    "AM06": Reason("TooLowAmount", H),
    "AM09": Reason("WrongAmount", H),
    "AM12": Reason("InvalidAmount", H),
    "AM13": Reason("AmountExceedsClearingSystemLimit", S),
    "AM14": Reason("AmountExceedsAgreedLimit", H),
    "AM23": Reason("AmountExceedsSettlementLimit", S),
    # BE: the parties named in the message.
    "BE01": Reason("InconsistentWithEndCustomer", H),
    "BE04": Reason("MissingCreditorAddress", H),
    "BE05": Reason("UnrecognisedInitiatingParty", H),
    "BE06": Reason("UnknownEndCustomer", H),
    "BE07": Reason("MissingDebtorAddress", H),
    # The rest, alphabetically.
    "CNOR": Reason("CreditorBankIsNotRegistered", H),
    "DNOR": Reason("DebtorBankIsNotRegistered", H),
    "DUPL": Reason("DuplicatePayment", H),
    "ED05": Reason("SettlementFailed", S),
    "FF01": Reason("InvalidFileFormat", H),
    "FF02": Reason("SyntaxError", H),
    "FRAD": Reason("FraudulentOrigin", H),
    "MD07": Reason("EndCustomerDeceased", H),
    "MS02": Reason("NotSpecifiedReasonCustomerGenerated", H),
    "MS03": Reason("NotSpecifiedReasonAgentGenerated", S),
    "NARR": Reason("Narrative", H),
    "NOOR": Reason("NoOriginalTransactionReceived", S),
    "RC01": Reason("BankIdentifierIncorrect", H),
    "RR01": Reason("MissingDebtorAccountOrIdentification", H),
    "RR02": Reason("MissingDebtorNameOrAddress", H),
    "RR03": Reason("MissingCreditorNameOrAddress", H),
    "RR04": Reason("RegulatoryReason", H),
    "TM01": Reason("InvalidCutOffTime", S),
}
"""NOOR answers an inquiry about a transfer the network never received: nothing moved, so
the payment may be tried again (the gateway never resends the same pacs.008 itself)."""

UNKNOWN_REASON: Final = Reason("UnknownReason", H)


def outcome_of(tx_status: str, reason: str | None) -> Outcome:
    """The outcome of a pacs.002 status and reason code, by the tables above."""
    outcome = TRANSACTION_STATUSES.get(tx_status)
    if outcome is None:
        return Outcome.UNKNOWN
    if tx_status != REJECTED:
        return outcome
    return REASONS.get(reason or "", UNKNOWN_REASON).outcome


def is_final(outcome: Outcome) -> bool:
    """Approved or declined: no later message changes it."""
    return outcome not in (Outcome.PENDING, Outcome.UNKNOWN)

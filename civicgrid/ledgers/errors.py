from civicgrid.core.refusal import Refusal


class LedgerError(Refusal):
    """A refused ledger action (揭榜挂帅 / 查堵点); the message is for people, in Chinese."""

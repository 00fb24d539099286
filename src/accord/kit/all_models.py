"""Imports every feature's models so that ``Base.metadata`` is complete (Alembic, tests)."""

from accord.batch import models as _batch  # noqa: F401
from accord.delinquency import models as _delinquency  # noqa: F401
from accord.journal import models as _journal  # noqa: F401
from accord.ledger import models as _ledger  # noqa: F401
from accord.loans import models as _loans  # noqa: F401
from accord.simulation import models as _simulation  # noqa: F401
from accord.kit.db import Base

metadata = Base.metadata

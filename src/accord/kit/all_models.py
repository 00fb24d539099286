"""Imports every feature's models so that ``Base.metadata`` is complete (Alembic, tests)."""

from accord.agencies import models as _agencies  # noqa: F401
from accord.agents import models as _agents  # noqa: F401
from accord.arrangements import models as _arrangements  # noqa: F401
from accord.batch import models as _batch  # noqa: F401
from accord.cases import models as _cases  # noqa: F401
from accord.compliance import models as _compliance  # noqa: F401
from accord.delinquency import models as _delinquency  # noqa: F401
from accord.dialler import models as _dialler  # noqa: F401
from accord.journal import models as _journal  # noqa: F401
from accord.legal import models as _legal  # noqa: F401
from accord.ledger import models as _ledger  # noqa: F401
from accord.loans import models as _loans  # noqa: F401
from accord.outbox import models as _outbox  # noqa: F401
from accord.scoring import book_models as _scoring  # noqa: F401
from accord.simulation import models as _simulation  # noqa: F401
from accord.strategy import models as _strategy  # noqa: F401
from accord.writeoffs import models as _writeoffs  # noqa: F401
from accord.kit.db import Base

metadata = Base.metadata

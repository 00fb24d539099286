"""Per-product configuration: bucket bounds, waterfall, legal cost cap. Defaults follow contracts.md;
a lender overrides them in a YAML file (``ACCORD_PRODUCTS_FILE``)::

    products:
      default:
        bucket_bounds: [0, 30, 60, 90, 120, 150, 180]   # upper DPD of M0..M6; above → M7
        waterfall: {order: [penalty, fee, interest, principal], across: oldest_first}
        annual_cost_cap: "0.36"                          # 36 % judicial line; "0.24" for the stricter one
      cash_loan_24:
        annual_cost_cap: "0.24"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from accord.config import get_settings
from accord.kit.errors import InputError

COMPONENTS = ("penalty", "fee", "interest", "principal")


@dataclass(frozen=True)
class Product:
    name: str
    bucket_bounds: tuple[int, ...] = (0, 30, 60, 90, 120, 150, 180)
    waterfall_order: tuple[str, ...] = COMPONENTS
    waterfall_across: str = "oldest_first"  # or "component_first"
    annual_cost_cap: Decimal | None = Decimal("0.36")
    extra: dict = field(default_factory=dict)

    @property
    def bucket_names(self) -> tuple[str, ...]:
        return tuple(f"M{i}" for i in range(len(self.bucket_bounds) + 1))

    def bucket(self, dpd: int) -> str:
        for i, bound in enumerate(self.bucket_bounds):
            if dpd <= bound:
                return f"M{i}"
        return f"M{len(self.bucket_bounds)}"


def _parse(name: str, raw: dict, base: Product) -> Product:
    try:
        bounds = tuple(int(b) for b in raw.get("bucket_bounds", base.bucket_bounds))
        if list(bounds) != sorted(set(bounds)) or bounds[0] != 0:
            raise ValueError("bucket_bounds must start at 0 and increase")
        wf = raw.get("waterfall", {})
        order = tuple(wf.get("order", base.waterfall_order))
        if sorted(order) != sorted(COMPONENTS):
            raise ValueError(f"waterfall order must list each of {', '.join(COMPONENTS)} once")
        across = wf.get("across", base.waterfall_across)
        if across not in ("oldest_first", "component_first"):
            raise ValueError("waterfall across must be oldest_first or component_first")
        cap = raw.get("annual_cost_cap", base.annual_cost_cap)
        cap = None if cap in (None, "none") else Decimal(str(cap))
    except (ValueError, TypeError) as exc:
        raise InputError(f"products file, product {name}: {exc}") from exc
    return Product(name, bounds, order, across, cap, {k: v for k, v in raw.items()
                                                       if k not in ("bucket_bounds", "waterfall", "annual_cost_cap")})


@lru_cache(maxsize=8)
def _load(path: str | None) -> dict[str, Product]:
    default = Product("default")
    products = {"default": default}
    if path:
        p = Path(path)
        if not p.exists():
            raise InputError(f"products file {path} does not exist")
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        raw_products = data.get("products", {})
        if "default" in raw_products:
            default = products["default"] = _parse("default", raw_products["default"], Product("default"))
        for name, raw in raw_products.items():
            if name != "default":
                products[name] = _parse(name, raw or {}, default)
    return products


def get_product(name: str | None) -> Product:
    path = get_settings().products_file
    products = _load(str(path) if path else None)
    if name and name in products:
        return products[name]
    base = products["default"]
    return Product(name or "default", base.bucket_bounds, base.waterfall_order, base.waterfall_across,
                   base.annual_cost_cap, base.extra)

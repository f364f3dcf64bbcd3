"""Size advice against the demo size charts (BS-DRESS: S 150–158/40–48, M 158–165/48–55,
L 165–170/55–62, XL 170–176/62–70; M sold out. BS-CARDIGAN: M 155–165/45–55, L 165–175/55–68)."""

from __future__ import annotations

from decimal import Decimal

from bot.shop.catalog import Catalog
from bot.shop.sizing import Fit, SizeAdvice, advise, nearest_in_stock
from bot.understanding.slots import Body


def body(height: int | None, weight: str | None) -> Body:
    return Body(height_cm=height, weight_kg=Decimal(weight) if weight is not None else None)


def test_a_size_that_fits_and_is_in_stock(catalog: Catalog) -> None:
    advice = advise(catalog.products["BS-DRESS"], body(168, "58"))
    assert advice == SizeAdvice(Fit.ok, size="L", by_height="L", by_weight="L")


def test_between_two_sizes_the_larger(catalog: Catalog) -> None:
    # 165 cm is the top of M and the bottom of L; 48 kg the top of S and the bottom of M.
    assert advise(catalog.products["BS-CARDIGAN"], body(165, "50")).size == "L"
    # Height says S, weight says L: the larger wins.
    assert advise(catalog.products["BS-DRESS"], body(152, "58")).size == "L"


def test_sold_out_size_offers_the_nearest_in_stock_larger_on_a_tie(catalog: Catalog) -> None:
    advice = advise(catalog.products["BS-DRESS"], body(160, "50"))
    assert advice.fit is Fit.sold_out
    assert advice.size == "M"
    assert advice.alternative == "L"     # S and L are both one step away: the larger


def test_sold_out_offers_the_only_size_left(catalog: Catalog) -> None:
    dress = catalog.products["BS-DRESS"].model_copy(update={"stock": {"S": 3, "M": 0, "L": 0, "XL": 0}})
    advice = advise(dress, body(172, "65"))
    assert (advice.fit, advice.size, advice.alternative) == (Fit.sold_out, "XL", "S")


def test_nothing_in_stock_offers_nothing(catalog: Catalog) -> None:
    dress = catalog.products["BS-DRESS"].model_copy(update={"stock": {"S": 0, "M": 0, "L": 0, "XL": 0}})
    assert nearest_in_stock(dress, "M") is None


def test_out_of_chart(catalog: Catalog) -> None:
    dress = catalog.products["BS-DRESS"]
    assert advise(dress, body(140, "35")).fit is Fit.too_small
    assert advise(dress, body(190, "90")).fit is Fit.too_large
    assert advise(dress, body(160, "95")).fit is Fit.too_large   # weight alone is off the chart


def test_height_or_weight_alone(catalog: Catalog) -> None:
    dress = catalog.products["BS-DRESS"]
    assert advise(dress, body(172, None)) == SizeAdvice(Fit.ok, size="XL", by_height="XL")
    assert advise(dress, body(None, "45")) == SizeAdvice(Fit.ok, size="S", by_weight="S")


def test_one_size_has_no_chart(catalog: Catalog) -> None:
    assert advise(catalog.products["BS-SCARF"], body(160, "50")).fit is Fit.no_chart
    assert advise(catalog.products["MX-LONGJING"], body(160, None)).fit is Fit.no_chart

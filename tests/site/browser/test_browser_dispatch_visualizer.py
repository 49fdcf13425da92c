"""The dispatch visualizer on the patterns page: its logic against the emulated launch, its UI.

docs/javascripts/dispatch-logic.js runs in Chromium and is compared, case by case, with what a
kernel reports when it is launched through `mx.fast.metal_kernel` (emulated (metalsim) on Linux,
the real pipeline on a Mac): threads, threadgroups, SIMD groups, partial threadgroups, the
clamped threadgroup, and MLX's error text for a threadgroup over the 1024-thread limit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import REPO_ROOT

from .conftest import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

LOGIC = REPO_ROOT / "docs" / "javascripts" / "dispatch-logic.js"
Dim3 = tuple[int, int, int]

# counts: threads, threadgroups, SIMD groups, partial threadgroups, then the first group's
# threads_per_threadgroup (MLX's clamped threadgroup). The MSL spec makes threads_per_threadgroup
# the actual size of an edge group and dispatch_threads_per_threadgroup the requested one.
SOURCE = """
    atomic_fetch_add_explicit(&counts[0], 1, memory_order_relaxed);
    if (thread_index_in_simdgroup == 0) {
        atomic_fetch_add_explicit(&counts[2], 1, memory_order_relaxed);
    }
    if (thread_index_in_threadgroup == 0) {
        atomic_fetch_add_explicit(&counts[1], 1, memory_order_relaxed);
        if (any(threads_per_threadgroup != dispatch_threads_per_threadgroup)) {
            atomic_fetch_add_explicit(&counts[3], 1, memory_order_relaxed);
        }
    }
    if (thread_position_in_grid.x == 0 && thread_position_in_grid.y == 0
        && thread_position_in_grid.z == 0) {
        atomic_store_explicit(&counts[4], int(threads_per_threadgroup.x), memory_order_relaxed);
        atomic_store_explicit(&counts[5], int(threads_per_threadgroup.y), memory_order_relaxed);
        atomic_store_explicit(&counts[6], int(threads_per_threadgroup.z), memory_order_relaxed);
    }
"""

# Awkward sizes: 1, 31, 33, 1000 threads; clamping; 2-D and 3-D tails; exactly the limit;
# one over it (1025) and over it only before clamping (MLX checks the requested size).
CASES: list[tuple[Dim3, Dim3]] = [
    ((1, 1, 1), (256, 1, 1)),
    ((31, 1, 1), (32, 1, 1)),
    ((33, 1, 1), (32, 1, 1)),
    ((1000, 1, 1), (256, 1, 1)),
    ((1000, 1, 1), (1000, 1, 1)),
    ((1025, 1, 1), (1024, 1, 1)),
    ((1024, 1, 1), (1024, 1, 1)),
    ((100, 3, 1), (32, 4, 1)),
    ((70, 100, 1), (16, 16, 1)),
    ((5, 7, 3), (4, 4, 2)),
    ((33, 9, 5), (8, 8, 8)),
    ((17, 1, 1), (3, 5, 7)),
    ((1025, 1, 1), (1025, 1, 1)),
    ((4, 1, 1), (1024, 2, 1)),
    ((9, 9, 9), (11, 11, 11)),
]


@functools.cache
def _kernel() -> Callable[..., Any]:
    import mlx.core as mx

    return mx.fast.metal_kernel(
        name="dispatch_visualizer_counts",
        input_names=[],
        output_names=["counts"],
        source=SOURCE,
        atomic_outputs=True,
    )


def launched(grid: Dim3, threadgroup: Dim3) -> dict[str, Any]:
    """What the kernel counted when launched with `grid` and `threadgroup`, or MLX's error."""
    import mlx.core as mx

    try:
        (counts,) = _kernel()(
            inputs=[],
            grid=grid,
            threadgroup=threadgroup,
            output_shapes=[(7,)],
            output_dtypes=[mx.int32],
            init_value=0,
        )
        c = counts.tolist()
    except ValueError as e:
        return {"error": str(e)}
    return {
        "error": None,
        "threads": c[0],
        "threadgroups": c[1],
        "simdGroups": c[2],
        "partialThreadgroups": c[3],
        "effective": c[4:7],
    }


@pytest.fixture(scope="module")
def logic(browser: Browser) -> Iterator[Page]:
    """A blank page with only the logic module loaded (no site build needed)."""
    page = browser.new_page()
    page.set_content("<!doctype html><title>logic</title>")
    page.add_script_tag(path=str(LOGIC))
    yield page
    page.close()


def plan(page: Page, grid: Dim3, threadgroup: Dim3) -> dict[str, Any]:
    return page.evaluate("([g, t]) => metalDispatch.plan(g, t)", [list(grid), list(threadgroup)])


@pytest.mark.metal
@pytest.mark.parametrize(("grid", "threadgroup"), CASES, ids=str)
def test_logic_matches_the_launch(logic: Page, grid: Dim3, threadgroup: Dim3) -> None:
    expected = launched(grid, threadgroup)
    got = plan(logic, grid, threadgroup)
    if expected["error"] is not None:
        assert got["limit"] is True
        assert got["error"] == expected["error"]
        return
    assert got["error"] is None, got["error"]
    for key in ("threads", "threadgroups", "simdGroups", "partialThreadgroups", "effective"):
        assert got[key] == expected[key], (key, got[key], expected[key])


def test_logic_rejects_sizes_that_are_not_launches(logic: Page) -> None:
    for grid, threadgroup in [((0, 1, 1), (1, 1, 1)), ((1.5, 1, 1), (1, 1, 1)),
                              ((1, 1, 1), (1, -1, 1))]:  # fmt: skip
        got = plan(logic, grid, threadgroup)  # type: ignore[arg-type]
        assert got["error"] and got["limit"] is False, got


def visualizer(page: Page, site: Server) -> Any:
    page.goto(site.url + "guides/metal-kernel-patterns/", wait_until="networkidle")
    return page.locator("form.dispatch-visualizer")


def test_keyboard_sets_the_launch_and_sees_the_error(page: Page, site: Server) -> None:
    form = visualizer(page, site)
    output = form.locator(".dv-output")
    assert "exactly 1,000 threads run" in output.inner_text()
    assert "1 partial" in output.inner_text()
    # Tab from the grid's z to the threadgroup's x, then type a size over the limit.
    page.locator("#dv-grid-z").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "dv-tg-x"
    page.keyboard.press("Control+A")
    page.keyboard.type("1025")
    text = output.text_content() or ""
    assert "Thread group size (1025) is greater than  the maximum allowed" in text, text
    page.keyboard.press("Control+A")
    page.keyboard.type("33")
    text = output.text_content() or ""
    assert "31 threadgroups" in text and "1 partial" in text, text
    assert form.locator(".dv-group--partial").count() == 1
    assert not page.traffic.console_errors and not page.traffic.page_errors  # type: ignore[attr-defined]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_visualizer_is_accessible_and_fits(
    page: Page, site: Server, artifacts: Path, color_scheme: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": 1366, "height": 900})
    page.emulate_media(color_scheme=color_scheme)
    form = visualizer(page, site)
    page.fill("#dv-grid-y", "40")  # a 2-D grid with tails in x and y
    page.fill("#dv-tg-y", "3")
    assert form.locator(".dv-group--partial").count() > 1
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    form.scroll_into_view_if_needed()
    form.screenshot(path=str(artifacts / f"dispatch-visualizer-{color_scheme}.png"))
    result = Axe().run(page, context="form.dispatch-visualizer",
                       options={"resultTypes": ["violations"]})  # fmt: skip
    violations = [v["id"] for v in result.response["violations"]]
    assert not violations, violations


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize(
    ("path", "figure"),
    [
        ("guides/quick-start/", "launch-geometry.svg"),
        ("guides/metal-kernel-patterns/", "generated-signature.svg"),
        ("guides/metal-kernel-patterns/", "address-spaces.svg"),
    ],
    ids=["launch", "signature", "address-spaces"],
)
def test_figures_load_and_fit(
    page: Page, site: Server, artifacts: Path, path: str, figure: str, color_scheme: str
) -> None:
    """Each generated figure loads, has alt text, fits the column; a screenshot is kept."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.emulate_media(color_scheme=color_scheme)
    page.goto(site.url + path, wait_until="networkidle")
    img = page.locator(f"img[src$='figures/{figure}']")
    assert img.count() == 1
    assert img.evaluate("i => i.complete && i.naturalWidth > 0"), f"{figure} did not load"
    assert len(img.get_attribute("alt") or "") > 40, "the figure needs a describing alt text"
    fits = img.evaluate("i => i.getBoundingClientRect().width <= i.parentElement.clientWidth + 1")
    assert fits, f"{figure} is wider than the text column"
    img.scroll_into_view_if_needed()
    name = f"figure-{figure.removesuffix('.svg')}-{color_scheme}.png"
    img.screenshot(path=str(artifacts / name))

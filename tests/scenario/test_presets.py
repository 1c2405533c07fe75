"""Every preset compiles on its dataset, selects something, and the flagship hits what it says."""

from __future__ import annotations

import numpy as np
import pytest

import chokepoint as cp
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import list_presets, load_scenario


@pytest.mark.parametrize("name", list_presets())
def test_preset_compiles_without_warnings(name: str) -> None:
    scenario = load_scenario(name)
    net = cp.build_network(cp.load_dataset(scenario.dataset))
    batch = compile_scenario(scenario, net)
    assert batch.rules, name
    assert batch.meta["warnings"] == [], batch.meta["warnings"]


def test_flagship_licenses_chinese_exports_of_heavy_rare_earths_and_magnets() -> None:
    scenario = load_scenario("rare-earth-licensing-2025")
    net = cp.build_network(cp.load_dataset(scenario.dataset))
    [permit] = [r for r in compile_scenario(scenario, net).rules if r.kind == "permit"]
    links = permit.index[permit.index < net.n_links]
    src, dst = net.link_src[links], net.link_dst[links]
    assert set(net.regions[net.node_region[src]]) == {"CHN"}
    assert set(net.products[net.node_product[src]]) <= {
        "dy_tb_oxide",
        "dy_tb_metal",
        "ndfeb_magnet",
    }
    assert "CHN" not in set(net.regions[net.node_region[dst]])  # domestic buyers untouched
    # nothing for 63 days, then 25% (timing.csv lines 2-3 and 5)
    assert [float(permit.value_on(d)[0]) for d in (0, 62, 63, 179)] == [0.0, 0.0, 0.25, 0.25]
    exported = np.isin(net.node_product[net.link_src], net.products.get_indexer(["ndfeb_magnet"]))
    exported &= net.node_region[net.link_src] == net.regions.get_loc("CHN")
    exported &= net.node_region[net.link_dst] != net.regions.get_loc("CHN")
    assert set(np.flatnonzero(exported)) <= set(links.tolist())  # every magnet export is covered


def test_scenarios_folder_holds_every_preset_as_a_file() -> None:
    """``scenarios/NAME.yaml`` (the path the docs and issue name) is the packaged preset itself."""
    from pathlib import Path

    from chokepoint.scenario.load import PRESETS_DIR

    folder = Path(__file__).resolve().parents[2] / "scenarios"
    files = sorted(p.stem for p in folder.glob("*.yaml"))
    assert files == list_presets()
    for name in files:
        assert (folder / f"{name}.yaml").resolve() == (PRESETS_DIR / f"{name}.yaml").resolve()
    by_path = load_scenario(str(folder / "rare-earth-licensing-2025.yaml"))
    assert by_path == load_scenario("rare-earth-licensing-2025")

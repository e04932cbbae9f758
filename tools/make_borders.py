"""Make the shipped country-border extract from Natural Earth via the npm package world-atlas.

world-atlas 2.0.2 (ISC licence, https://github.com/topojson/world-atlas) redistributes Natural
Earth 4.1.0 "Admin 0 – Countries" (public domain) as TopoJSON, quantized to 1e5 steps per axis
(``geo2topo -q 1e5``) and not simplified. This script decodes that TopoJSON itself (topology
specification: https://github.com/topojson/topojson-specification), clips every country to a
box, looks up its ISO 3166-1 alpha-2 code, and writes a gzip'ed GeoJSON (RFC 7946) plus a
``SOURCE.yaml`` citation beside it. Run it from the repository root::

    npm pack world-atlas@2.0.2            # -> world-atlas-2.0.2.tgz (or any copy of it)
    .venv/bin/python tools/make_borders.py world-atlas-2.0.2.tgz

It needs only the project's own dependencies (numpy, shapely, pyyaml); the output is
byte-for-byte reproducible (sorted features, gzip header without a time stamp).

References
----------
Natural Earth, "Admin 0 – Countries", version 4.1.0,
https://www.naturalearthdata.com/downloads/10m-cultural-vectors/
M. Bostock, world-atlas 2.0.2, https://github.com/topojson/world-atlas (script ``prepublish``).
ISO 3166-1 numeric → alpha-2 table: Debian/Salsa ``iso-codes`` 4.15.0, ``json/iso_3166-1.json``
(https://salsa.debian.org/iso-codes-team/iso-codes; the same data ships in PyPI ``pycountry``).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
import yaml
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.polygon import orient

WORLD_ATLAS_VERSION = "2.0.2"
# npm registry dist.integrity of world-atlas-2.0.2.tgz
WORLD_ATLAS_INTEGRITY = ("sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/"
                         "MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==")
NATURAL_EARTH_VERSION = "4.1.0"
SCALES = {"10m": "1:10m", "50m": "1:50m", "110m": "1:110m"}
# lon_min, lon_max, lat_min, lat_max, degrees: Europe to the Urals (60°E) and the Caspian, with the
# Azores (31.3°W), Iceland, Svalbard and Franz Josef Land (81.9°N), Turkey, the Caucasus, Cyprus,
# the Levant and North Africa's coast, so that a battalion moved anywhere in Europe with the
# longest published S-400 range (400 km, 3.6° of latitude) still has its whole map inside.
DEFAULT_BOX = (-32.0, 62.0, 25.0, 82.0)
DECIMALS = 4  # decimal places of degrees kept: 1e-4 deg <= 11 m, well below the 1e5 quantization
OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "iadsim" / "data" / "borders"

# ISO 3166-1 numeric -> alpha-2, all 249 entries of iso-codes 4.15.0 json/iso_3166-1.json.
ISO_NUMERIC_TO_ALPHA2 = {
    "004": "AF", "008": "AL", "010": "AQ", "012": "DZ", "016": "AS", "020": "AD", "024": "AO",
    "028": "AG", "031": "AZ", "032": "AR", "036": "AU", "040": "AT", "044": "BS", "048": "BH",
    "050": "BD", "051": "AM", "052": "BB", "056": "BE", "060": "BM", "064": "BT", "068": "BO",
    "070": "BA", "072": "BW", "074": "BV", "076": "BR", "084": "BZ", "086": "IO", "090": "SB",
    "092": "VG", "096": "BN", "100": "BG", "104": "MM", "108": "BI", "112": "BY", "116": "KH",
    "120": "CM", "124": "CA", "132": "CV", "136": "KY", "140": "CF", "144": "LK", "148": "TD",
    "152": "CL", "156": "CN", "158": "TW", "162": "CX", "166": "CC", "170": "CO", "174": "KM",
    "175": "YT", "178": "CG", "180": "CD", "184": "CK", "188": "CR", "191": "HR", "192": "CU",
    "196": "CY", "203": "CZ", "204": "BJ", "208": "DK", "212": "DM", "214": "DO", "218": "EC",
    "222": "SV", "226": "GQ", "231": "ET", "232": "ER", "233": "EE", "234": "FO", "238": "FK",
    "239": "GS", "242": "FJ", "246": "FI", "248": "AX", "250": "FR", "254": "GF", "258": "PF",
    "260": "TF", "262": "DJ", "266": "GA", "268": "GE", "270": "GM", "275": "PS", "276": "DE",
    "288": "GH", "292": "GI", "296": "KI", "300": "GR", "304": "GL", "308": "GD", "312": "GP",
    "316": "GU", "320": "GT", "324": "GN", "328": "GY", "332": "HT", "334": "HM", "336": "VA",
    "340": "HN", "344": "HK", "348": "HU", "352": "IS", "356": "IN", "360": "ID", "364": "IR",
    "368": "IQ", "372": "IE", "376": "IL", "380": "IT", "384": "CI", "388": "JM", "392": "JP",
    "398": "KZ", "400": "JO", "404": "KE", "408": "KP", "410": "KR", "414": "KW", "417": "KG",
    "418": "LA", "422": "LB", "426": "LS", "428": "LV", "430": "LR", "434": "LY", "438": "LI",
    "440": "LT", "442": "LU", "446": "MO", "450": "MG", "454": "MW", "458": "MY", "462": "MV",
    "466": "ML", "470": "MT", "474": "MQ", "478": "MR", "480": "MU", "484": "MX", "492": "MC",
    "496": "MN", "498": "MD", "499": "ME", "500": "MS", "504": "MA", "508": "MZ", "512": "OM",
    "516": "NA", "520": "NR", "524": "NP", "528": "NL", "531": "CW", "533": "AW", "534": "SX",
    "535": "BQ", "540": "NC", "548": "VU", "554": "NZ", "558": "NI", "562": "NE", "566": "NG",
    "570": "NU", "574": "NF", "578": "NO", "580": "MP", "581": "UM", "583": "FM", "584": "MH",
    "585": "PW", "586": "PK", "591": "PA", "598": "PG", "600": "PY", "604": "PE", "608": "PH",
    "612": "PN", "616": "PL", "620": "PT", "624": "GW", "626": "TL", "630": "PR", "634": "QA",
    "638": "RE", "642": "RO", "643": "RU", "646": "RW", "652": "BL", "654": "SH", "659": "KN",
    "660": "AI", "662": "LC", "663": "MF", "666": "PM", "670": "VC", "674": "SM", "678": "ST",
    "682": "SA", "686": "SN", "688": "RS", "690": "SC", "694": "SL", "702": "SG", "703": "SK",
    "704": "VN", "705": "SI", "706": "SO", "710": "ZA", "716": "ZW", "724": "ES", "728": "SS",
    "729": "SD", "732": "EH", "740": "SR", "744": "SJ", "748": "SZ", "752": "SE", "756": "CH",
    "760": "SY", "762": "TJ", "764": "TH", "768": "TG", "772": "TK", "776": "TO", "780": "TT",
    "784": "AE", "788": "TN", "792": "TR", "795": "TM", "796": "TC", "798": "TV", "800": "UG",
    "804": "UA", "807": "MK", "818": "EG", "826": "GB", "831": "GG", "832": "JE", "833": "IM",
    "834": "TZ", "840": "US", "850": "VI", "854": "BF", "858": "UY", "860": "UZ", "862": "VE",
    "876": "WF", "882": "WS", "887": "YE", "894": "ZM",
}

# Natural Earth units without an ISO 3166-1 code (world-atlas gives them no id). Kosovo gets the
# user-assigned code XK used by the European Commission, the IMF, DCW-GMT and Natural Earth >= 5.1
# (ISO_A2_EH); every other one gets Natural Earth's own "no code" value -99 (not unique).
NO_ISO_CODE = "-99"
NO_ISO_CODE_BY_NAME = {"Kosovo": "XK"}


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Absolute (lon, lat) positions of every arc (spec 2.1.2 transforms, 2.1.3 delta arcs)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        xy = np.asarray(arc, dtype=np.float64)[:, :2]
        if transform is not None:
            xy = np.cumsum(xy, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(xy)
    return arcs


def ring_coordinates(arcs: list[np.ndarray], indexes: list[int]) -> np.ndarray:
    """Join arcs into one ring; a negative index ``i`` is arc ``~i`` reversed (spec 2.1.4)."""
    parts = []
    for k, index in enumerate(indexes):
        xy = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(xy if k == 0 else xy[1:])  # first position repeats the previous arc's last
    return np.concatenate(parts)


def unwrap_longitudes(ring: np.ndarray) -> np.ndarray:
    """Make longitudes continuous across the antimeridian (world-atlas rings are stitched
    there by ``geostitch``, so a planar reading of Russia would otherwise span the globe)."""
    lon = ring[:, 0]
    step = np.diff(lon)
    shift = np.concatenate(([0.0], np.cumsum(-360.0 * np.round(step / 360.0))))
    return np.column_stack((lon + shift, ring[:, 1]))


def geometry_polygons(geometry: dict, arcs: list[np.ndarray]) -> list[Polygon]:
    """Planar shapely polygons of a TopoJSON Polygon or MultiPolygon (others give none)."""
    if geometry.get("type") == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        return []
    out = []
    for rings in polygons:
        xy = [unwrap_longitudes(ring_coordinates(arcs, r)) for r in rings]
        if xy and len(xy[0]) >= 4:
            out.append(Polygon(xy[0], [h for h in xy[1:] if len(h) >= 4]))
    return out


def _polygonal(geom) -> MultiPolygon | None:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | MultiPolygon)]
    parts = [p for g in parts for p in getattr(g, "geoms", [g]) if not p.is_empty]
    return MultiPolygon([orient(p, sign=1.0) for p in parts]) if parts else None


def extract(
    topology: dict, bbox: tuple[float, float, float, float], decimals: int
) -> tuple[list[dict], list[str]]:
    """GeoJSON features of every country meeting ``bbox``, clipped to it, sorted by code, and
    the names of the units in the box whose rings the quantization collapsed (none drawable)."""
    lon_min, lon_max, lat_min, lat_max = bbox
    window = box(lon_min, lat_min, lon_max, lat_max)
    arcs = decode_arcs(topology)
    features, omitted = [], []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        iso_n3 = geometry.get("id")
        polygons = geometry_polygons(geometry, arcs)
        if not polygons:
            points = np.concatenate([arcs[i if i >= 0 else ~i] for i in _arc_indexes(geometry)])
            if shapely.intersects(window, shapely.points(points)).any():
                omitted.append(name)
            continue
        # Unwrapped longitudes may leave -180..180, so also try the window shifted by 360 degrees.
        windows = {s: shapely.affinity.translate(window, s) for s in (-360.0, 0.0, 360.0)}
        raw = MultiPolygon(polygons)
        windows = {s: w for s, w in windows.items() if raw.envelope.intersects(w)}
        if not windows:
            continue
        geom = shapely.make_valid(raw)
        clipped = shapely.union_all([shapely.affinity.translate(geom.intersection(w), -s)
                                     for s, w in windows.items() if geom.intersects(w)])
        clipped = _polygonal(shapely.set_precision(clipped, 10.0 ** -decimals))
        if clipped is None:
            continue
        iso2 = (ISO_NUMERIC_TO_ALPHA2[iso_n3] if iso_n3 is not None
                else NO_ISO_CODE_BY_NAME.get(name, NO_ISO_CODE))
        features.append({"type": "Feature",
                         "properties": {"name": name, "iso2": iso2, "iso_n3": iso_n3},
                         "geometry": json.loads(json.dumps(mapping(clipped)))})
    features.sort(key=lambda f: (f["properties"]["iso2"], f["properties"]["name"]))
    codes = [f["properties"]["iso2"] for f in features if f["properties"]["iso2"] != NO_ISO_CODE]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise SystemExit(f"several Natural Earth units share ISO codes {duplicates} in the box")
    return features, sorted(omitted)


def _arc_indexes(geometry: dict) -> list[int]:
    """Every arc index of a geometry's nested ``arcs`` member."""
    stack, out = [geometry.get("arcs", [])], []
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            out.append(item)
    return out


def _round(coords, decimals: int):
    if isinstance(coords, float | int):
        return round(float(coords), decimals)
    return [_round(c, decimals) for c in coords]


def source_record(
    scale: str, bbox: tuple[float, float, float, float], file_name: str, omitted: list[str]
) -> dict:
    """The citation written into the GeoJSON (member ``source``) and into SOURCE.yaml."""
    lon_min, lon_max, lat_min, lat_max = bbox
    return {
        "dataset": "Natural Earth Admin 0 – Countries",
        "version": NATURAL_EARTH_VERSION,
        "scale": SCALES[scale],
        "url": f"https://www.naturalearthdata.com/downloads/{scale}-cultural-vectors/",
        "license": "public domain (https://www.naturalearthdata.com/about/terms-of-use/)",
        "redistribution": {
            "package": f"npm world-atlas {WORLD_ATLAS_VERSION}",
            "file": f"countries-{scale}.json",
            "url": "https://github.com/topojson/world-atlas",
            "license": "ISC (the TopoJSON packaging; the data stay public domain)",
            "integrity": WORLD_ATLAS_INTEGRITY,
            "processing": "geo2topo -q 1e5 (quantized to 1e5 steps per axis, not simplified)",
        },
        "box_deg": {"lon_min": lon_min, "lon_max": lon_max, "lat_min": lat_min, "lat_max": lat_max},
        "made_by": (f"tools/make_borders.py world-atlas-{WORLD_ATLAS_VERSION}.tgz --scale {scale} "
                    f"--box {lon_min:g} {lon_max:g} {lat_min:g} {lat_max:g} (writes {file_name}; "
                    f"coordinates rounded to 1e-{DECIMALS} degree)"),
        "iso2": ("ISO 3166-1 alpha-2 from the world-atlas ISO numeric id (table: iso-codes 4.15.0); "
                 "Kosovo 'XK' (user-assigned code); other units without an ISO code '-99'"),
        "boundaries": ("Natural Earth draws de-facto boundaries. In this 4.1.0 data Crimea is "
                       "drawn as part of Russia (annexed 2014; UN General Assembly resolution "
                       "68/262 and DCW-GMT 2.1.1 treat it as Ukraine); the parts of Donetsk and "
                       "Luhansk oblasts held since 2014 are Ukraine; Kosovo, Northern Cyprus, "
                       "the Cyprus U.N. buffer zone and the British sovereign base areas "
                       "Akrotiri and Dhekelia are units of their own; Transnistria, Abkhazia "
                       "and South Ossetia are not (Moldova, Georgia)"),
        "omitted": (f"{', '.join(omitted)}: world-atlas's 1e5 quantization collapses the "
                    "rings to lines" if omitted else "none"),
    }


def read_topology(package: Path, scale: str) -> dict:
    """``countries-<scale>.json`` from the world-atlas tarball, checked against npm's integrity."""
    data = package.read_bytes()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if integrity != WORLD_ATLAS_INTEGRITY:
        raise SystemExit(f"{package} is not the npm tarball of world-atlas {WORLD_ATLAS_VERSION} "
                         f"(integrity {integrity}, expected {WORLD_ATLAS_INTEGRITY})")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return json.load(tar.extractfile(f"package/countries-{scale}.json"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="world-atlas-2.0.2.tgz (npm pack world-atlas@2.0.2)")
    parser.add_argument("--scale", choices=list(SCALES), default="10m")
    parser.add_argument("--box", type=float, nargs=4, default=DEFAULT_BOX,
                        metavar=("LON_MIN", "LON_MAX", "LAT_MIN", "LAT_MAX"))
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    bbox = tuple(args.box)
    file_name = f"naturalearth_admin0_{args.scale}.geojson.gz"
    features, omitted = extract(read_topology(args.package, args.scale), bbox, DECIMALS)
    for feature in features:
        geometry = feature["geometry"]
        geometry["coordinates"] = _round(geometry["coordinates"], DECIMALS)
    source = source_record(args.scale, bbox, file_name, omitted)
    collection = {"type": "FeatureCollection", "bbox": [bbox[0], bbox[2], bbox[1], bbox[3]],
                  "source": source, "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(text.encode("utf-8"))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / file_name).write_bytes(buffer.getvalue())
    header = ("# Citation of the shipped country borders; written by tools/make_borders.py together\n"
              f"# with {file_name} (which carries the same record as its GeoJSON member 'source').\n")
    (args.out_dir / "SOURCE.yaml").write_text(
        header + yaml.safe_dump(source, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    print(f"{file_name}: {len(features)} countries, {len(buffer.getvalue()) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

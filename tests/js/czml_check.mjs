// Load a CZML file with CesiumJS's own CzmlDataSource (under Node, no browser) and print what
// Cesium made of it, as JSON on stdout, for tests/io/test_czml.py to compare with the replay table.
//
// Usage: node tests/js/czml_check.mjs FILE.czml [--at ISO8601]...
//
// Output: {"cesium_version", "clock": {start, stop, current, multiplier} | null, "entities": [
//   {id, name, availability: {start, stop} | null, has_position, has_point, has_label, has_path,
//    position_at_start, position_at_stop, positions: {ISO8601: position | null}}]}
// where a position is {lon_deg, lat_deg, height_m} (Cartographic on the WGS84 ellipsoid) or null
// where Cesium has no value at that time. Times are Cesium's own ISO 8601 rendering.
//
// Exit status: 0 when Cesium loaded the file; 1 (message on stderr) on any exception while loading
// or sampling it; 2 on a usage error.
//
// Cesium only needs a browser for drawing; loading CZML works in Node once `Image` exists (it
// is referenced when Cesium's modules load). The import is dynamic so that the stub comes first.

import { readFile } from "node:fs/promises";

globalThis.Image ??= class Image {};
// stdout carries only the JSON result: Cesium logs load errors itself (console.log), send them
// to stderr with everything else it prints.
console.log = console.info = console.warn = console.debug = console.error;

function usage(message) {
  process.stderr.write(`${message}\nusage: node czml_check.mjs FILE.czml [--at ISO8601]...\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const times = [];
  let file;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--at") {
      if (i + 1 >= argv.length) usage("--at needs an ISO 8601 time");
      times.push(argv[++i]);
    } else if (file === undefined) {
      file = argv[i];
    } else {
      usage(`unexpected argument ${argv[i]}`);
    }
  }
  if (file === undefined) usage("no CZML file given");
  return { file, times };
}

async function main() {
  const { file, times } = parseArgs(process.argv.slice(2));
  const Cesium = await import("cesium");
  const json = JSON.parse(await readFile(file, "utf8"));
  const source = await Cesium.CzmlDataSource.load(json);

  const iso = (julian) => Cesium.JulianDate.toIso8601(julian);
  const at = times.map((text) => [text, Cesium.JulianDate.fromIso8601(text)]);

  function where(entity, julian) {
    if (!entity.position) return null;
    const cartesian = entity.position.getValue(julian);
    if (!cartesian) return null;
    const c = Cesium.Cartographic.fromCartesian(cartesian, Cesium.Ellipsoid.WGS84);
    if (!c) return null;
    return {
      lon_deg: Cesium.Math.toDegrees(c.longitude),
      lat_deg: Cesium.Math.toDegrees(c.latitude),
      height_m: c.height,
    };
  }

  const entities = source.entities.values.map((entity) => {
    const interval =
      entity.availability && entity.availability.length > 0
        ? { start: entity.availability.start, stop: entity.availability.stop }
        : null;
    return {
      id: entity.id,
      name: entity.name ?? null,
      availability: interval ? { start: iso(interval.start), stop: iso(interval.stop) } : null,
      has_position: entity.position !== undefined,
      has_point: entity.point !== undefined,
      has_label: entity.label !== undefined,
      has_path: entity.path !== undefined,
      position_at_start: interval ? where(entity, interval.start) : null,
      position_at_stop: interval ? where(entity, interval.stop) : null,
      positions: Object.fromEntries(at.map(([text, julian]) => [text, where(entity, julian)])),
    };
  });

  const clock = source.clock
    ? {
        start: iso(source.clock.startTime),
        stop: iso(source.clock.stopTime),
        current: iso(source.clock.currentTime),
        multiplier: source.clock.multiplier,
      }
    : null;
  process.stdout.write(JSON.stringify({ cesium_version: Cesium.VERSION, clock, entities }) + "\n");
}

main().catch((error) => {
  // Cesium's DeveloperError keeps its message out of `stack`: print both.
  process.stderr.write(`czml_check: ${error?.name ?? "Error"}: ${error?.message ?? error}\n${error?.stack ?? ""}\n`);
  process.exit(1);
});

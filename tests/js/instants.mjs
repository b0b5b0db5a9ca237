// Reads an .ics file as Thunderbird does (Mozilla's ical.js) and prints one JSON
// line per event: its UID and its start and end instants as UTC ISO strings.
// Usage: node instants.mjs FILE.ics
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(process.argv[2], "utf8")));
// Like a calendar client, resolve TZIDs with the file's own VTIMEZONE blocks.
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  console.log(
    JSON.stringify({
      uid: event.uid,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    }),
  );
}

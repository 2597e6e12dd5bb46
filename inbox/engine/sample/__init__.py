"""Every piece of made-up data the product and its tests show, in one place.

- `history`: the notation of a hand-written conversation (`Script`, `Line`) and its one writer;
- `conversations`: the demo's history and the preview inbox, in that notation;
- `temporary`: a real SQLite inbox in a temporary folder, filled with them, for previews,
  screenshots and widget tests;
- `team`: weeks of generated traffic by several agents, for the Supervisor view;
- `engagement`: polls, contests, broadcasts and surveys made through the engine;
- `rules`: keyword rules as an administrator would write them;
- `bulk`: a million-message inbox for load tests (`inbox seed`), planned in arrays for speed.

All of it writes finished history with past timestamps; none of it may run on the GUI thread.
"""

"""Test helpers shared by the areas: Teams-shaped activities, the bot on a real port, a local
OpenID/JWKS endpoint with token minting, agreements to seed, headless Chromium. The fake Bot
Connector is `benchmarks.fake_connector.FakeConnector` (the benchmarks use it too)."""

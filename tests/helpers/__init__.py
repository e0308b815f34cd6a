"""Test helpers shared by the areas: a fake Bot Connector, Teams-shaped activities, a local
OpenID/JWKS endpoint with token minting. Import as `from helpers.fake_connector import FakeConnector`
in tests (pytest puts tests/ on sys.path) or `tests.helpers…` from the repository root (benchmarks)."""

"""The Teams layer: turn logic (`respond`), cards, message extension and the Agents SDK handlers."""

"""The upper-level server that commune desks sync to (a district in the older structure, the province since 2025)."""

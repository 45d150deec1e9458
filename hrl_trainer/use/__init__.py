"""Using trained agents: simulations of a household's future, advice and the printable report."""

"""The app's tabs: one module per tab, each with pure handlers and a ``build(zoo)`` function."""

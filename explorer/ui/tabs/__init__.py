"""The app's tabs: one module per tab, or one package per tab with sections (a module per section)."""

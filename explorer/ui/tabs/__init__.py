"""The app's tabs: one module per tab, or one package per tab with sections (one module per section)."""

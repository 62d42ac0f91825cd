"""The core's logic; routers call these and only shape responses."""

"""App-side building blocks: figure builders (pure), tables (pure), and the few widgets and
the one caching layer that talk to streamlit."""

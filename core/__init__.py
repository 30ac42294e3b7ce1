"""The kernel every app may use (DESIGN.md, layer 1): shared form and API fields, text, time and
input-safety helpers, Markdown rendering. It imports no Firebreak app."""

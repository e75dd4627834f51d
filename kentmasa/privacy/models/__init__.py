"""The privacy app's models, one module per part (each helper's part imports its module here)."""

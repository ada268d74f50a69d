"""Demo content: realistic institutes, technologies, firms, needs and one account per role."""

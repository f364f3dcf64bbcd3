"""The shop's own data: catalogue (shops, products, stock, size charts), orders, people, size advice."""

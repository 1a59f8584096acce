"""Build steps of the browser calculator: the calculator wheel, its Pyodide lock entry, the runtime copy."""

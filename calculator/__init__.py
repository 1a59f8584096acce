"""Henan continuing-education hours: policy files, rule engine and self-check calculator.

Modules that run in the browser (Pyodide) use the standard library only; the policy loader
(`policy_files`, `yaml_source`, `schema_check`) is build-time code and needs PyYAML and jsonschema.
"""

__version__ = "0.1.0"

"""Content shipped with the product, read as package data (`importlib.resources`), so that
every install has it: the standard intent library and its generic negatives. Data only: this
package imports nothing."""

//! Programs the book includes with `{{#include}}`, so the book never shows code that does not build.

//! Cross-cutting tests of the feishu-im workspace live in `tests/`.

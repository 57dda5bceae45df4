//! Placeholder: see the area issue.

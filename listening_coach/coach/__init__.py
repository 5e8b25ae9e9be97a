"""Coach tooling: batches, manifests, cohort view, corrections, agreement."""

// The Bench module; its content arrives with its issue (see docs/architecture.md, "Modules").

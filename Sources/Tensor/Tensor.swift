// The Tensor module; its content arrives with its issue (see DESIGN.md, module map).

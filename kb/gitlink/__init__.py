"""Records linked to real git history; `gitrepo` is the one module that imports GitPython."""

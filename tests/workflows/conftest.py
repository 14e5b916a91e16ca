"""The repository with one committed leaf, the fake GitHub API and the step environment."""

from githubkit import fake_github, github_env, kit, repo

__all__ = ["fake_github", "github_env", "kit", "repo"]

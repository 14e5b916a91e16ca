"""What the GitHub workflows need beyond shell: one module per job, each tested without a network.

- `extraction`: a pull request's changed taxonomy files, checked and copied from git blobs.
- `binding`: a privileged run bound to one pull request at one exact commit (request artifact,
  `workflow_run` event, the head checks, the fetch of that commit).
- `outputs`: step outputs appended to `$GITHUB_OUTPUT` with no way to smuggle in another line.
- `github`: the `GITHUB_*` environment of a step and the thin REST client.
- `comment`: the one sticky data-diff comment on a pull request.
- `publishing`: generated data proposed as a pull request, committed through the API.
"""

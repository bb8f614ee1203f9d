/**
 * Build data of a compiled binary, printed by `smtpmock -v` as go-smtp-mock's `commit:` and
 * `built at:` lines, so a bug report can name the build. scripts/compile.sh compiles a copy of
 * the sources in which this file is regenerated with the commit and UTC build time; run from
 * source, these are what go-smtp-mock prints when built without ldflags.
 */
export const BUILD_COMMIT = "unknown-commit";
export const BUILD_TIME = "unknown-buildtime";

/**
 * mocksmtp's version. Numbered on from go-smtp-mock's 2.5.1 so that wrappers which require
 * `smtpmock -v` to report at least 1.5.0 (the Ruby gem) accept the drop-in.
 */
export const VERSION = "2.6.0";

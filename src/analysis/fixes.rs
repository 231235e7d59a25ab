//! Fixes: turn "use port P with mode M" into exact edits on an endpoint's spans, in the document's
//! own syntax.

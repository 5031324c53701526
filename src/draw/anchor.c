/* anchor.c: keeps the draw library non-empty while its modules land. */
int optiscope_draw_anchor;

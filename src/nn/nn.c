/* nn.c: keeps the nn library non-empty while its modules land one at a time. */
int optiscope_nn_anchor;

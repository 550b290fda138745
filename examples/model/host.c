/* The model's host code: compiled into libmodel.so by mblob export. */
int model_add(int a, int b) { return a + b; }

#include "data.h"
#include "report.h"

int main(int argc, char** argv) { return report(argc, argv, data, data_end, data_size); }

#include "app.hpp"

int main(int argc, char** argv) { return verdict::daemon::run(argc, argv); }

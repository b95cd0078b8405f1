// verdict-studio: the Qt 6 desktop studio. Everything lives in the verdict_studio library.
#include "app/studio_main.hpp"

int main(int argc, char** argv) { return verdict::studio::studioMain(argc, argv); }

"""Projects, their bills of materials and builds: can the shelf build N boards, reserve and take the parts."""

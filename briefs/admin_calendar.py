def calendar_urls(model_admin):
    return []
